ALTER TABLE `tenants` ADD `upstream_url` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `upstream_model` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `upstream_n` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `upstream_use_n` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `upstream_key_secret` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `upstream_model_passthrough` integer;