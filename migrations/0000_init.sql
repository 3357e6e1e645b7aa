CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`name` text,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_tenant` ON `api_keys` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `bases` (
	`id` text PRIMARY KEY NOT NULL,
	`embedder_id` text NOT NULL,
	`d` integer NOT NULL,
	`j` integer NOT NULL,
	`w` text NOT NULL,
	`mu0` text NOT NULL,
	`sigma0` text NOT NULL,
	`labels` text,
	`meta` text NOT NULL,
	`is_default` integer DEFAULT false NOT NULL,
	`uploaded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bases_one_default` ON `bases` (`is_default`) WHERE is_default = 1;--> statement-breakpoint
CREATE TABLE `feedback` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`prompt_hash` text NOT NULL,
	`chosen_embedding` text NOT NULL,
	`rejected_embedding` text NOT NULL,
	`chosen_hash` text NOT NULL,
	`rejected_hash` text NOT NULL,
	`embedder_id` text NOT NULL,
	`label` real NOT NULL,
	`event_id` text,
	`idempotency_key` text,
	`request_hash` text NOT NULL,
	`basis_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_id` ON `feedback` (`id`);--> statement-breakpoint
CREATE INDEX `feedback_user` ON `feedback` (`tenant_id`,`user_id`,`prompt_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_idempotency` ON `feedback` (`tenant_id`,`idempotency_key`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`embedder_kind` text NOT NULL,
	`embedder_id` text NOT NULL,
	`embedder_model` text,
	`basis_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`basis_id`) REFERENCES `bases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `users` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`basis_id` text NOT NULL,
	`j` integer NOT NULL,
	`mean` text NOT NULL,
	`precision_chol` text NOT NULL,
	`observations` text NOT NULL,
	`feedback_count` integer NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `user_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`basis_id`) REFERENCES `bases`(`id`) ON UPDATE no action ON DELETE no action
);
