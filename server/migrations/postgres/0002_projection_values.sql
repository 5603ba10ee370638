-- As migrations/sqlite/0003: each report's values (a ReportView as JSON)
-- in the projection, so figures read rows instead of loading documents.
ALTER TABLE documents ADD COLUMN view TEXT;
