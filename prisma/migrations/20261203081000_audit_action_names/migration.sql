-- The integrations migration added audit actions whose first part has an underscore
-- (api_key.created, api_key.revoked, api_key.used, print_file.created, print_file.deleted), which
-- audit_log_action_format (^[a-z]+(\.[a-z_]+)+$) refused: every such audit write failed, and with
-- it the change it belongs to. Same rule otherwise: lowercase words, dotted, no leading or
-- trailing underscore.
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_action_format;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_format CHECK (action ~ '^[a-z]+(_[a-z]+)*(\.[a-z_]+)+$');
