/**
 * MQTT shared subscriptions as AWS IoT Core has them (MQTT 3.1.1 and 5): a client subscribes to
 * `$share/{ShareName}/{TopicFilter}` and each message matching the filter goes to ONE connected member
 * of the group instead of to all of them. That is how a backend spreads a high-rate topic over several
 * connections, each under AWS's 100 publishes/s per connection (in + out).
 *
 * aedes has no shared subscriptions, so the endpoint keeps them here: the SUBSCRIBE is authorized on the
 * whole `$share/...` filter (iot:Subscribe resource `topicfilter/$share/{ShareName}/{TopicFilter}`), then
 * handed to aedes as the plain filter, and every delivery passes `admits()` from authorizeForward: the
 * first delivery of a message to a group picks a member (round robin over the members allowed to
 * receive it) and only that member's delivery goes through.
 *
 * Differences from AWS, on the strict side: a persistent session (clean session false) can't hold a
 * shared subscription (nothing is queued for a group while its members are offline), and one connection
 * can't hold the same filter both shared and plain. With several broker nodes on Redis, each node picks
 * among its own members (one delivery per node that has members).
 */
import type { Client } from 'aedes';
import { matchesTopicFilter } from '../iot/rules/topic-filter.js';

export const SHARED_PREFIX = '$share/';

export interface SharedFilter {
  readonly group: string;
  readonly filter: string;
}

/** `$share/{group}/{filter}` split, a problem for a malformed one, undefined for a plain filter. */
export function parseSharedFilter(topicFilter: string): SharedFilter | string | undefined {
  if (!topicFilter.startsWith(SHARED_PREFIX)) return undefined;
  const rest = topicFilter.slice(SHARED_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return 'a shared subscription is $share/{ShareName}/{TopicFilter}';
  const group = rest.slice(0, slash);
  const filter = rest.slice(slash + 1);
  if (/[+#]/.test(group)) return 'a ShareName must not contain + or #';
  if (filter === '') return 'a shared subscription needs a topic filter after its ShareName';
  if (filter.startsWith(SHARED_PREFIX)) return 'a shared subscription cannot nest another';
  return { group, filter };
}

/** Messages whose member choice is remembered (each is decided within a few event-loop turns). */
const REMEMBERED_MESSAGES = 4096;

export class SharedSubscriptions {
  /** group + filter -> members, in subscription order. */
  private readonly groups = new Map<string, { filter: string; members: Client[]; next: number }>();
  /** client -> its shared filters (plain filter -> group). */
  private readonly byClient = new WeakMap<Client, Map<string, string>>();
  /** message (broker id + counter) -> group key -> chosen member. */
  private readonly choices = new Map<string, Map<string, Client | undefined>>();

  /** The group holding `filter` for this client, if it subscribed to it as shared. */
  groupOf(client: Client, filter: string): string | undefined {
    return this.byClient.get(client)?.get(filter);
  }

  add(client: Client, { group, filter }: SharedFilter): void {
    let mine = this.byClient.get(client);
    if (mine === undefined) this.byClient.set(client, (mine = new Map<string, string>()));
    const previous = mine.get(filter);
    if (previous === group) return;
    if (previous !== undefined) this.leave(client, previous, filter);
    mine.set(filter, group);
    const key = groupKey(group, filter);
    let entry = this.groups.get(key);
    if (entry === undefined) this.groups.set(key, (entry = { filter, members: [], next: 0 }));
    entry.members.push(client);
  }

  /** Undoes add() for an UNSUBSCRIBE of `$share/{group}/{filter}`; true when the client had it. */
  remove(client: Client, { group, filter }: SharedFilter): boolean {
    const mine = this.byClient.get(client);
    if (mine?.get(filter) !== group) return false;
    mine.delete(filter);
    this.leave(client, group, filter);
    return true;
  }

  /** Drops every shared subscription of a connection that ended. */
  removeClient(client: Client): void {
    const mine = this.byClient.get(client);
    if (mine === undefined) return;
    for (const [filter, group] of mine) this.leave(client, group, filter);
    this.byClient.delete(client);
  }

  /**
   * Whether this delivery to `client` goes through. Deliveries through a plain subscription always do;
   * through shared ones, only when the client is the member picked for the message in one of its groups.
   * `canReceive` says whether a member may receive the topic (iot:Receive), so a member that would drop
   * it is never picked.
   */
  admits(
    client: Client,
    message: { topic: string; brokerId: string; brokerCounter: number },
    canReceive: (member: Client) => boolean,
    /** The client's subscriptions as it made them (shared ones still `$share/...`). */
    subscribed: Iterable<string>,
  ): boolean {
    const mine = this.byClient.get(client);
    if (mine === undefined) return true;
    let viaShared = false;
    for (const [filter, group] of mine) {
      if (!matchesTopicFilter(filter, message.topic)) continue;
      viaShared = true;
      if (this.choose(groupKey(group, filter), message, canReceive) === client) return true;
    }
    if (!viaShared) return true;
    // Shared filters matched but this client was not picked: it still receives the message if one of
    // its plain subscriptions matches too.
    for (const filter of subscribed) {
      if (!filter.startsWith(SHARED_PREFIX) && matchesTopicFilter(filter, message.topic)) return true;
    }
    return false;
  }

  private choose(
    key: string,
    message: { brokerId: string; brokerCounter: number },
    canReceive: (member: Client) => boolean,
  ): Client | undefined {
    const id = `${message.brokerId}:${message.brokerCounter}`;
    let decided = this.choices.get(id);
    if (decided === undefined) {
      if (this.choices.size >= REMEMBERED_MESSAGES) {
        const oldest = this.choices.keys().next().value;
        if (oldest !== undefined) this.choices.delete(oldest);
      }
      this.choices.set(id, (decided = new Map<string, Client | undefined>()));
    }
    const known = decided.get(key);
    if (known !== undefined || decided.has(key)) return known;
    const entry = this.groups.get(key);
    let chosen: Client | undefined;
    if (entry !== undefined) {
      for (let tried = 0; tried < entry.members.length && chosen === undefined; tried++) {
        const member = entry.members[(entry.next + tried) % entry.members.length];
        if (member !== undefined && !member.closed && canReceive(member)) {
          chosen = member;
          entry.next = (entry.next + tried + 1) % entry.members.length;
        }
      }
    }
    decided.set(key, chosen);
    return chosen;
  }

  private leave(client: Client, group: string, filter: string): void {
    const key = groupKey(group, filter);
    const entry = this.groups.get(key);
    if (entry === undefined) return;
    entry.members = entry.members.filter((member) => member !== client);
    if (entry.members.length === 0) this.groups.delete(key);
    else entry.next %= entry.members.length;
  }
}

function groupKey(group: string, filter: string): string {
  return `${group}\u0000${filter}`;
}
