DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE event_sequence;
DROP TABLE domain_events;
