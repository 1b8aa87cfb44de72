/**
 * The aedes hooks that make the endpoint behave like AWS IoT Core's message broker:
 *   preConnect        identity (client id = certificate CN = thing name), iot:Connect, connect rate,
 *                     keep-alive range; refusals close the connection without CONNACK (AWS) or, in
 *                     "connack" mode, answer CONNACK 2/5 from authenticate, each logged with its
 *                     reason ("connection refused": info for the by-design ones, a just-provisioned
 *                     certificate's first connection and the connect quota; warn otherwise); a device
 *                     before admission opens (admission.ts) gets CONNACK 3 "Server unavailable" in
 *                     every mode;
 *   authorizePublish  topic limits, reserved topics, QoS, publish rate, in-flight QoS 1, iot:Publish
 *                     (+ iot:RetainPublish), then the topic rules, awaited before aedes sends PUBACK;
 *   authorizeSubscribe  filter limits, subscription count, iot:Subscribe (SUBACK 0x80 when denied),
 *                     shared subscriptions `$share/{ShareName}/{filter}` (shared-subscriptions.ts);
 *   authorizeForward  iot:Receive on every delivery, and one member per shared-subscription group.
 * Disconnect reasons follow AWS's DisconnectReasonValue and are logged with the client id.
 */
import { randomUUID } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { AedesPublishPacket, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import type { BrokerConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/clock.js';
import { assertDeviceId } from '../contracts/device-id.js';
import { isCamlinkError } from '../errors/camlink-error.js';
import { PolicySet } from '../iot/policy/evaluate.js';
import type { PolicyDocument } from '../iot/policy/document.js';
import { iotArn, type ArnScope } from '../iot/policy/arn.js';
import { peerCertificate, type IdentityResolver, type IdentityVerdict } from './identity.js';
import { checkTopic, normalizeKeepalive } from './limits.js';
import { KeyedRateLimiter } from './rate-limit.js';
import { TokenBucket } from '../util/token-bucket.js';
import { PresenceVersions } from './presence.js';
import { parseSharedFilter, SharedSubscriptions } from './shared-subscriptions.js';
import type { DisconnectReason, Refusal, Session } from './session.js';
import type { DeviceAdmission } from './admission.js';

/** What the topic rules see of a message; the rules engine implements it. */
export interface RuleSink {
  handle(message: {
    topic: string;
    payload: Buffer;
    clientId?: string;
    principal?: string;
    timestamp: number;
  }): Promise<unknown>;
}

export interface HookDeps {
  readonly config: Readonly<BrokerConfig>;
  readonly scope: ArnScope;
  readonly identity: IdentityResolver;
  readonly rules: RuleSink | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Clients by id on this node, to mark a session taken over by a newer connection. */
  readonly liveClient: (clientId: string) => Client | undefined;
  /** Whether devices are admitted yet (admission.ts); always, without it. */
  readonly admission?: DeviceAdmission;
}

export class EndpointHooks {
  readonly sessions = new WeakMap<Client, Session>();
  private readonly refusals = new WeakMap<Client, Refusal>();
  private readonly connects: KeyedRateLimiter;
  private readonly versions = new PresenceVersions();
  /** Policies compiled once per document list and shared by the connections that have it. */
  private readonly policySets = new WeakMap<readonly PolicyDocument[], PolicySet>();
  readonly shared = new SharedSubscriptions();

  constructor(private readonly deps: HookDeps) {
    this.connects = new KeyedRateLimiter(deps.config.limits.connectsPerSecondPerClientId, deps.clock);
  }

  /** Ends a connection with an AWS disconnect reason and a log line saying why. */
  kick(client: Client, reason: DisconnectReason, message: string): void {
    const session = this.sessions.get(client);
    if (session && session.disconnectReason === undefined) session.disconnectReason = reason;
    this.deps.logger.warn({ clientId: client.id, reason }, `disconnecting: ${message}`);
    client.close();
  }

  readonly preConnect = (
    client: Client,
    packet: ConnectPacket,
    callback: (e: Error | null, ok: boolean) => void,
  ) => {
    this.admit(client, packet).then(
      (refusal) => {
        if (refusal === undefined) return callback(null, true);
        const conn = client.conn as Socket;
        const fields = { clientId: packet.clientId, ip: conn.remoteAddress, reason: refusal.reason };
        // Not yet admitted is not a fault of the device: answered with a CONNACK in every mode, and
        // logged at debug (a restarting fleet knocks many times; admission.ts logs the total).
        if (refusal.returnCode === 3) {
          this.deps.logger.debug(fields, 'connection refused: devices are not admitted yet');
          this.refusals.set(client, refusal);
          return callback(null, true);
        }
        if (refusal.transient === true) this.deps.logger.info(fields, 'connection refused');
        else this.deps.logger.warn(fields, 'connection refused');
        if (this.deps.config.authFailure === 'connack') {
          this.refusals.set(client, refusal);
          return callback(null, true);
        }
        callback(new Error(refusal.reason), false);
      },
      (err: unknown) => {
        this.deps.logger.error({ clientId: packet.clientId, err }, 'connection refused: internal error');
        callback(new Error('internal error'), false);
      },
    );
  };

  readonly authenticate = (
    client: Client,
    _username: string | undefined,
    _password: Buffer | undefined,
    done: (error: (Error & { returnCode: number }) | null, success: boolean | null) => void,
  ) => {
    const refusal = this.refusals.get(client);
    if (refusal === undefined) return done(null, true);
    done(Object.assign(new Error(refusal.reason), { returnCode: refusal.returnCode }), false);
  };

  private async admit(client: Client, packet: ConnectPacket): Promise<Refusal | undefined> {
    const { limits } = this.deps.config;
    const conn = client.conn as Socket;
    const clientId = packet.clientId;
    if (packet.protocolVersion !== 4) {
      return {
        reason: `MQTT protocol level ${packet.protocolVersion} refused; 4 (3.1.1) required`,
        returnCode: 5,
      };
    }
    if (Buffer.byteLength(clientId) > limits.maxClientIdBytes) {
      return { reason: `client id is over ${limits.maxClientIdBytes} bytes`, returnCode: 2 };
    }
    try {
      assertDeviceId(clientId);
    } catch (err) {
      if (isCamlinkError(err, 'DEVICE_ID_INVALID'))
        return { reason: `client id refused: ${err.message}`, returnCode: 2 };
      throw err;
    }
    if (!this.connects.take(clientId)) {
      return {
        reason: `more than ${limits.connectsPerSecondPerClientId} CONNECT per second for this client id`,
        returnCode: 5,
        transient: true,
      };
    }
    let verdict: IdentityVerdict;
    const tls = conn instanceof TLSSocket;
    if (tls) {
      const peer = peerCertificate(conn);
      if (peer === undefined) return { reason: 'no verified client certificate', returnCode: 5 };
      verdict = await this.deps.identity.resolveCertificate(peer);
    } else {
      verdict = await this.deps.identity.resolveUnauthenticated(clientId);
    }
    if (!verdict.ok) return { reason: verdict.reason, returnCode: 5, transient: verdict.transient === true };
    const { identity } = verdict;
    // The client id names the connection's thing: the certificate's CN, or another thing the
    // certificate is attached to (one certificate, several connections, as the backend's pool does).
    const otherThing = identity.otherThings?.includes(clientId) === true;
    if (identity.thingName !== clientId && !otherThing) {
      return {
        reason: `client id "${clientId}" is not the certificate's thing name "${identity.thingName}" (nor a thing it is attached to)`,
        returnCode: 5,
      };
    }
    let policySet = this.policySets.get(identity.policies);
    if (policySet === undefined) {
      policySet = new PolicySet(identity.policies);
      this.policySets.set(identity.policies, policySet);
    }
    const policy = policySet.bind({
      clientId,
      thingName: clientId,
      isAttached: otherThing || identity.isAttached,
      certificateId: identity.certificateId,
      subjectCommonName: identity.subjectCommonName,
      issuerCommonName: identity.issuerCommonName,
      sourceIp: conn.remoteAddress,
    });
    if (!policy.authorize('iot:Connect', iotArn(this.deps.scope, 'client', clientId))) {
      return { reason: `policy does not allow iot:Connect as "${clientId}"`, returnCode: 5 };
    }
    if (this.deps.admission?.admits(identity) === false) {
      return { reason: 'the platform is starting: its backend is not subscribed yet', returnCode: 3 };
    }
    const keepalive = normalizeKeepalive(packet.keepalive ?? 0, limits);
    if (keepalive !== packet.keepalive) {
      this.deps.logger.debug(
        { clientId, requested: packet.keepalive, keepalive },
        'keep-alive adjusted to AWS range',
      );
      packet.keepalive = keepalive;
    }
    const previous = this.deps.liveClient(clientId);
    const previousSession = previous ? this.sessions.get(previous) : undefined;
    if (previousSession && previousSession.disconnectReason === undefined) {
      previousSession.disconnectReason = 'DUPLICATE_CLIENTID';
    }
    this.sessions.set(client, {
      identity: otherThing ? { ...identity, thingName: clientId, isAttached: true } : identity,
      policy,
      sessionIdentifier: randomUUID(),
      versionNumber: this.versions.next(clientId),
      ipAddress: conn.remoteAddress,
      listener: tls ? 'tls' : 'plaintext',
      publishes: new TokenBucket(limits.publishesPerSecond, this.deps.clock),
      subscriptions: new Set(),
      inflightQos1: 0,
      disconnectReason: undefined,
      announced: false,
    });
    return undefined;
  }

  readonly authorizePublish = (
    client: Client | null,
    packet: PublishPacket,
    callback: (e?: Error | null) => void,
  ) => {
    if (client === null) return callback(null);
    const session = this.sessions.get(client);
    if (session === undefined) return callback(new Error('no session'));
    const refuse = (reason: DisconnectReason, message: string) => {
      session.disconnectReason ??= reason;
      this.deps.logger.warn(
        { clientId: client.id, topic: packet.topic, reason },
        `publish refused: ${message}`,
      );
      callback(new Error(message));
    };
    const { limits } = this.deps.config;
    const topicProblem = checkTopic(packet.topic, limits, 'topic');
    if (topicProblem !== undefined) return refuse('CLIENT_ERROR', topicProblem);
    const size =
      typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
    if (size > limits.maxPayloadBytes) {
      return refuse('CLIENT_ERROR', `payload is ${size} bytes; the limit is ${limits.maxPayloadBytes}`);
    }
    if (packet.topic.startsWith('$'))
      return refuse('FORBIDDEN_ACCESS', 'topics starting with $ are reserved');
    if (packet.qos === 2)
      return refuse('CLIENT_ERROR', 'QoS 2 is not supported (AWS IoT Core: QoS 0 and 1 only)');
    if (!session.publishes.take()) {
      return refuse('THROTTLED', `more than ${limits.publishesPerSecond} publishes per second`);
    }
    const arn = iotArn(this.deps.scope, 'topic', packet.topic);
    if (!session.policy.authorize('iot:Publish', arn)) {
      return refuse('FORBIDDEN_ACCESS', 'policy does not allow iot:Publish');
    }
    if (packet.retain && !session.policy.authorize('iot:RetainPublish', arn)) {
      return refuse('FORBIDDEN_ACCESS', 'policy does not allow iot:RetainPublish');
    }
    if (this.deps.rules === undefined) return callback(null);
    if (packet.qos === 1) {
      if (session.inflightQos1 >= limits.maxInflightQos1) {
        return refuse('THROTTLED', `more than ${limits.maxInflightQos1} QoS 1 publishes awaiting PUBACK`);
      }
      session.inflightQos1++;
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    this.deps.rules
      .handle({
        topic: packet.topic,
        payload,
        clientId: client.id,
        ...(session.identity.certificateId ? { principal: session.identity.certificateId } : {}),
        timestamp: this.deps.clock.now().getTime(),
      })
      .then(
        () => {
          if (packet.qos === 1) session.inflightQos1--;
          callback(null);
        },
        (err: unknown) => {
          if (packet.qos === 1) session.inflightQos1--;
          this.deps.logger.error(
            { clientId: client.id, topic: packet.topic, err },
            'topic rule action failed',
          );
          // No PUBACK: the client keeps the message and sends it again on its next connection.
          refuse('SERVER_ERROR', 'a topic rule action failed');
        },
      );
  };

  readonly authorizeSubscribe = (
    client: Client,
    sub: Subscription,
    callback: (e: Error | null, s?: Subscription | null) => void,
  ) => {
    const session = this.sessions.get(client);
    if (session === undefined) return callback(new Error('no session'));
    const { limits } = this.deps.config;
    const deny = (message: string) => {
      this.deps.logger.warn({ clientId: client.id, filter: sub.topic }, `subscription refused: ${message}`);
      callback(null, null);
    };
    const problem = checkTopic(sub.topic, limits, 'topic filter');
    if (problem !== undefined) return deny(problem);
    if (
      !session.subscriptions.has(sub.topic) &&
      session.subscriptions.size >= limits.maxSubscriptionsPerConnection
    ) {
      return deny(`more than ${limits.maxSubscriptionsPerConnection} subscriptions on one connection`);
    }
    const shared = parseSharedFilter(sub.topic);
    if (typeof shared === 'string') return deny(shared);
    const filter = shared?.filter ?? sub.topic;
    if (filter.startsWith('$') && !filter.startsWith('$aws/')) return deny('reserved topic filter');
    // A shared subscription is authorized on its whole filter, $share/{ShareName}/... (as on AWS).
    if (!session.policy.authorize('iot:Subscribe', iotArn(this.deps.scope, 'topicfilter', sub.topic))) {
      return deny('policy does not allow iot:Subscribe');
    }
    const heldAs = this.shared.groupOf(client, filter);
    if (shared === undefined) {
      if (heldAs !== undefined) return deny(`${filter} is held as a shared subscription on this connection`);
    } else {
      if (!client.clean)
        return deny('shared subscriptions need a clean session here (nothing is queued for a group)');
      if (heldAs === undefined && session.subscriptions.has(filter)) {
        return deny(`${filter} is held as a plain subscription on this connection`);
      }
      this.shared.add(client, shared);
    }
    session.subscriptions.add(sub.topic);
    callback(null, shared === undefined ? sub : { ...sub, topic: filter });
  };

  /**
   * An UNSUBSCRIBE of `$share/{group}/{filter}` leaves the group; returns the plain filter aedes holds
   * for it, which the broker then drops (aedes itself looks for the `$share/...` filter and finds none).
   */
  unsubscribeShared(client: Client, topicFilter: string): string | undefined {
    const shared = parseSharedFilter(topicFilter);
    if (shared === undefined || typeof shared === 'string') return undefined;
    return this.shared.remove(client, shared) ? shared.filter : undefined;
  }

  readonly authorizeForward = (client: Client, packet: AedesPublishPacket): AedesPublishPacket | null => {
    const session = this.sessions.get(client);
    if (session === undefined) return null;
    if (packet.topic.startsWith('$SYS/')) return null;
    const canReceive = (member: Client) =>
      this.sessions
        .get(member)
        ?.policy.authorize('iot:Receive', iotArn(this.deps.scope, 'topic', packet.topic)) === true;
    if (!canReceive(client)) return null;
    return this.shared.admits(client, packet, canReceive, session.subscriptions) ? packet : null;
  };

  /** Internal publishes (presence events) pass through the rules too; client publishes ran them already. */
  readonly published = (
    packet: AedesPublishPacket,
    client: Client | null,
    callback: (e?: Error | null) => void,
  ) => {
    if (client !== null || this.deps.rules === undefined || packet.topic.startsWith('$SYS/'))
      return callback(null);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    this.deps.rules.handle({ topic: packet.topic, payload, timestamp: this.deps.clock.now().getTime() }).then(
      () => callback(null),
      (err: unknown) => {
        this.deps.logger.error(
          { topic: packet.topic, err },
          'topic rule action failed for an internal message',
        );
        callback(null);
      },
    );
  };
}
