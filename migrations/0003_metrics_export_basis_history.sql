CREATE TABLE `basis_activations` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`basis_id` text,
	`previous_basis_id` text,
	`activated_at` integer NOT NULL,
	`rolled_back_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `basis_activations_tenant` ON `basis_activations` (`tenant_id`,`seq`);--> statement-breakpoint
CREATE TABLE `feedback_metrics` (
	`tenant_id` text NOT NULL,
	`day` integer NOT NULL,
	`bucket` integer NOT NULL,
	`basis_id` text NOT NULL,
	`comparisons` integer NOT NULL,
	`decided` integer NOT NULL,
	`personal_correct` real NOT NULL,
	`population_correct` real NOT NULL,
	`personal_log_loss` real NOT NULL,
	`population_log_loss` real NOT NULL,
	`lift_squares` real NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`, `bucket`, `basis_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `usage_daily` (
	`tenant_id` text NOT NULL,
	`day` integer NOT NULL,
	`kind` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`, `kind`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `feedback` ADD `p_personal` real;--> statement-breakpoint
ALTER TABLE `feedback` ADD `p_population` real;--> statement-breakpoint
ALTER TABLE `feedback` ADD `feedback_count_before` integer;--> statement-breakpoint
CREATE INDEX `feedback_tenant_seq` ON `feedback` (`tenant_id`,`seq`);