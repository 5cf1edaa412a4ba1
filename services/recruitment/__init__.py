"""Recruitment: campaigns, applications, selection, project teams, beneficiaries, pairing."""
