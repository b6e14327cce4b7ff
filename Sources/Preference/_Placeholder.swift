// Preference
