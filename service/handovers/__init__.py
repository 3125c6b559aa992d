"""Hand-overs of invoices between people (issue #17): assign to a colleague, or forward to a budget
holder who confirms the delivery (a prestatieverklaring); reminders for overdue confirmations."""
