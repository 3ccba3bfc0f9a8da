CREATE TABLE "author" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "author_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" varchar(255) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"algorithm" text NOT NULL,
	"private_jwk" jsonb NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_actions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "user_actions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"timestamp" timestamp with time zone DEFAULT now() NOT NULL,
	"user_id" text NOT NULL,
	"username" text NOT NULL,
	"roles" text[] NOT NULL,
	"action" text NOT NULL,
	"resource" text,
	"outcome" text NOT NULL,
	"transport" text NOT NULL,
	"ip" text,
	"user_agent" text,
	"correlation_id" text,
	"request_data" jsonb,
	"status_code" integer,
	"error_message" text,
	"duration_ms" integer
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"username" varchar(255) NOT NULL,
	"password_hash" text NOT NULL,
	"roles" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "author_name_key" ON "author" USING btree ("name");--> statement-breakpoint
CREATE INDEX "author_name_trgm_idx" ON "author" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "user_actions_timestamp_idx" ON "user_actions" USING btree ("timestamp");--> statement-breakpoint
CREATE INDEX "user_actions_user_id_idx" ON "user_actions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "user_actions_username_idx" ON "user_actions" USING btree ("username");--> statement-breakpoint
CREATE INDEX "user_actions_action_idx" ON "user_actions" USING btree ("action");