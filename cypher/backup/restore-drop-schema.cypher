// caregraph restore, last step: the temporary constraint of backup/restore-schema.cypher goes.
DROP CONSTRAINT caregraph_restore_id IF EXISTS;
