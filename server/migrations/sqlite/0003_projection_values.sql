-- The projection also holds each report's values (a ReportView as JSON), so
-- district and province figures read rows instead of loading documents.
-- Filled for existing reports at the next start (repair_projection).
ALTER TABLE documents ADD COLUMN view TEXT;
