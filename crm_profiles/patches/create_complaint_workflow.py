"""The complaint Workflow is no longer a fixture: make it on sites that lack it; never overwrite it."""

from crm_profiles.setup.workflow import create_complaint_workflow


def execute():
	create_complaint_workflow()
