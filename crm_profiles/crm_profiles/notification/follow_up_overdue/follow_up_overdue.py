"""Context for the standard notification; the template is the .md file beside it."""


def get_context(context):
	pass
