CREATE TABLE `archive_seen` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`day` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `archive_seen_day` ON `archive_seen` (`day`);--> statement-breakpoint
CREATE TABLE `archive_tombstones` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`deleted_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `user_id`)
);
