"""Who may do what: bearer tokens, SMART scopes, the patient and user guards, the access audit."""
