DROP INDEX "author_name_trgm_idx";--> statement-breakpoint
CREATE INDEX "author_name_trgm_idx" ON "author" USING gin ("name" gin_trgm_ops) WITH (fastupdate=false);