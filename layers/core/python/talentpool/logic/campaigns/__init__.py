"""Campaigns: nurture runs that send one email to a segment, and their schedules."""
