"""Write-back: scores where sellers work.

``icpkit export`` writes files a CRM imports (a HubSpot import CSV, a Salesforce Data Loader CSV)
or a reverse-ETL tool syncs (a table with a stable key). ``icpkit push`` sends the scores through
the CRMs' batch APIs, only what changed since the last push, resuming where an interrupted run
stopped, and naming every record it could not update with the reason.

One module per CRM (:mod:`.hubspot`, :mod:`.salesforce`) holds everything that CRM dictates:
key formats, field names and values, request and response shapes, rate-limit signals. The push
engine (:mod:`.push`), the HTTP transport (:mod:`.transport`) and the state file (:mod:`.state`)
know no CRM.
"""
