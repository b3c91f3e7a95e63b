import pytest

from crm_profiles.utils.contact_values import ValueProblem, check_email, normalise_email, normalise_phone

GOOD_EMAILS = ["a@example.com", " Li.Wei@Example.CN ", "first+tag@sub.example.co.uk", "x_y-z@ex-ample.org"]
BAD_EMAILS = [
	"plainaddress",
	"@no-local.com",
	"no-at.example.com",
	"two@@example.com",
	"a@b",
	"a@.com",
	"a@example..com",
	"a b@example.com",
	"a@exa mple.com",
	"<script>@x.com",
	"a@-example.com",
	"x" * 250 + "@example.com",
	"a@example.com, b@example.com",
	"' or 1=1 --@x.com",
]


@pytest.mark.parametrize("value", GOOD_EMAILS)
def test_good_emails_pass(value):
	assert check_email(value) is None


@pytest.mark.parametrize("value", BAD_EMAILS)
def test_bad_emails_are_refused(value):
	problem = check_email(value)
	assert isinstance(problem, ValueProblem)
	assert problem.value == value


def test_empty_email_is_allowed_and_normalised():
	assert check_email("") is None
	assert check_email(None) is None
	assert normalise_email("  Li.Wei@Example.CN ") == "li.wei@example.cn"


@pytest.mark.parametrize(
	"value, region, expected",
	[
		("13800138000", "CN", "+8613800138000"),
		("138 0013 8000", "CN", "+8613800138000"),
		("+86 138-0013-8000", None, "+8613800138000"),
		("008613800138000", None, "+8613800138000"),
		("(202) 555-0143", "US", "+12025550143"),
		("+44 20 7946 0958", "CN", "+442079460958"),
		("", "CN", ""),
		(None, "CN", ""),
	],
)
def test_phone_numbers_are_stored_in_e164(value, region, expected):
	assert normalise_phone(value, region) == expected


@pytest.mark.parametrize(
	"value, region",
	[
		("12345", "CN"),
		("not a phone", "CN"),
		("+999 1234 5678", None),
		("13800138000", None),
		("1380013800012345678", "CN"),
		("+86 100", None),
		("'; drop table x; --", "US"),
		("555-0143", "US"),
	],
)
def test_bad_phone_numbers_are_refused(value, region):
	assert isinstance(normalise_phone(value, region), ValueProblem)


def test_missing_region_is_explained():
	problem = normalise_phone("13800138000", None)
	assert "country code" in problem.message
