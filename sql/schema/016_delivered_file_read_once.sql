-- Bytes that were read (loaded, or a duplicate of a loaded batch) are logged once: what makes
-- a file "seen" and never collected again. Unreadable deliveries are not bound by it.
CREATE UNIQUE INDEX IF NOT EXISTS delivered_file_read_once
ON delivered_file (dataset_id, file_sha256) WHERE outcome <> 'unreadable'
