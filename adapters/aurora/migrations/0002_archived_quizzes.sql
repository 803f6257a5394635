-- A quiz its author deleted leaves the list; sessions played from it still
-- read it by id, so the row stays, marked.
ALTER TABLE quizzes ADD COLUMN archived_at timestamptz;
