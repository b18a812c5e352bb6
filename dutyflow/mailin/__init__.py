"""Reports by email: the office's mailbox read over IMAP, through the portal's intake.

Modules, one job each: `parse` (an RFC 5322 message → sender, thread, files), `replyto` (the
Reply-To tokens every outgoing message carries), `identify` (which unit and obligation each file is
for, or why the office must look), `mailbox` (IMAP), `ledger` (the store's record of processed
messages and the review queue), `intake_mail` (the service: fetch, dedupe, submit, answer, move),
`dovecot` (a throw-away IMAP server for the tests and the demo). Imports nothing here, so
`notify` can use `replyto` without pulling in the rest.
"""
