/**
 * The repository's one rules-engine rule: every upload announcement a camera publishes is enriched
 * with the device id (third topic level), the MQTT client id and the broker's receive time, and goes
 * to the upload queue. Both the embedded IoT endpoint (src/iot) and the CDK app (infra/) read these
 * constants, so the local and the AWS deployment run the same statement.
 */
export const UPLOAD_RULE_NAME = 'camlink_uploads';
export const UPLOAD_RULE_SQL =
  "SELECT *, topic(3) AS deviceId, clientid() AS clientId, timestamp() AS receivedAt FROM 'camlink/devices/+/uploads'";
