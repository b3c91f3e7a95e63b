// Copyright (c) 2026, crm_profiles contributors
// For license information, please see license.txt
