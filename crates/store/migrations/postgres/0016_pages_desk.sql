-- Result documents (결과 문서): a permit or certificate the office attaches to its answer. Kept
-- like every attachment (content-addressed blob, this metadata row); the flag keeps them apart
-- from what the petitioner sent, so only the verified petitioner and the office's reach see them.
ALTER TABLE petition_attachments ADD COLUMN result BOOLEAN NOT NULL DEFAULT FALSE;
