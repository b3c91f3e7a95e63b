from setuptools import find_namespace_packages, setup

from crm_profiles import __version__ as version

setup(
	name="crm_profiles",
	version=version,
	description="Customer profiles (客户档案) for ERPNext: interactions, purchase figures, tiers and follow-ups",
	author="crm_profiles contributors",
	author_email="dev@crm-profiles.invalid",
	packages=find_namespace_packages(include=["crm_profiles", "crm_profiles.*"]),
	zip_safe=False,
	include_package_data=True,
	install_requires=[],
)
