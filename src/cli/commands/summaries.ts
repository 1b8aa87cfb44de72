/**
 * One line per top-level command: the root's `--help` lists these without importing any command's module
 * (commands/index.ts loads a command only when it is chosen), and each command's module takes its own
 * summary from here, so the two never differ.
 */
export const summaries = {
  up: 'Start the embedded platform (IoT endpoint + control plane); writes DATA_DIR/endpoints.json.',
  ca: 'The operator CA: create it, sign CRLs and AWS verification certificates.',
  device:
    'Device identities: issue, certify CSRs, revoke, list; register with the backend, create its video stream.',
  storage: 'The embedded S3-compatible object store.',
  queue: "The upload queue's dead-letter queue: count it, move it back (embedded platform or Amazon SQS).",
  backend: 'Run the control-plane backend (REST API under /v1) standalone.',
  camera: 'Run a simulated camera: MQTT (mutual TLS) to the endpoint, PTP/IP for the app and gphoto2.',
  app: 'The phone-app simulator: pair with a camera, upload, watch.',
  aws: "The AWS side: register the operator CA, check a deployment (doctor), write cameras' endpoints, tear down.",
  demo: 'Run the whole flow (provision, pair over PTP/IP, upload, reconcile) on a temporary platform.',
  sim: 'Simulate a fleet of cameras (mutual-TLS MQTT, paced direct uploads); the last line has lost=N.',
  rehearsal: 'Rehearse the deployment manual against the embedded services made to look like the cloud.',
  fsck: 'Check a data dir: databases, upload records against stored objects, dead letters.',
} as const;
