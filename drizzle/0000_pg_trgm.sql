-- Trigram matching for the substring search on author names (ILIKE '%…%').
CREATE EXTENSION IF NOT EXISTS pg_trgm;
