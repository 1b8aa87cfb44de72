/**
 * What teardown would delete, in order, found by listing (never by guessing names):
 *  1. UpdateCACertificate INACTIVE: the operator CA first, so no camera reconnecting meanwhile is
 *     registered again by JITP (and every certificate of the CA stops connecting);
 *  2. DeleteStream for each camera stream: streams named cameraStreamName(thing) for the things of the
 *     CA's certificates (ListStreams, all pages; streams already DELETING are noted);
 *  3. per certificate of the CA (ListCertificatesByCA): DetachThingPrincipal for each of its things
 *     (ListPrincipalThings; after that thing's stream), DetachPolicy for each attached policy
 *     (ListAttachedPolicies), UpdateCertificate INACTIVE, DeleteCertificate;
 *  4. DeleteThing for each such thing whose principals are all certificates of the CA;
 *  5. DeleteCACertificate, once every certificate of the CA is gone;
 *  6. with a bucket: AbortMultipartUpload for each upload, DeleteObject for each object version (or
 *     object, where the store has no ListObjectVersions), DeleteBucket.
 * A step that depends on a failed one is skipped, so what it needs is still there for a rerun.
 */
import { planBucket } from './bucket.js';
import { listed } from './listed.js';
import { listAll, type IotPort, type KvsPort, type S3Port } from './ports.js';
import type { NewStep, Step, TeardownPlan } from './step.js';

export interface TeardownPorts {
  readonly iot: IotPort;
  readonly kvs: KvsPort | undefined;
  readonly s3: S3Port | undefined;
}

export interface TeardownInput {
  readonly caCertificateId: string;
  /** The media bucket to empty and delete; undefined leaves S3 alone. */
  readonly bucket: string | undefined;
  /** The camera stream naming convention (src/contracts/camera-role.ts). */
  readonly streamName: (thingName: string) => string;
}

class StepList {
  readonly steps: Step[] = [];
  add(step: NewStep): number {
    const id = this.steps.length;
    this.steps.push({ dependsOn: [], retryOn: [], doneOn: [], ...step, id });
    return id;
  }
}

const NOT_FOUND = ['ResourceNotFoundException'];

export async function planTeardown(
  ports: TeardownPorts,
  input: TeardownInput,
  progress: (line: string) => void,
): Promise<TeardownPlan> {
  const { iot } = ports;
  const list = new StepList();
  const notes: string[] = [];
  const caId = input.caCertificateId;

  progress(`looking up the operator CA ${caId}`);
  const caStatus = await listed('DescribeCACertificate', () => iot.caStatus(caId));
  if (caStatus === undefined) {
    notes.push(
      `the operator CA ${caId} is not registered: no certificates, things or camera streams to delete`,
    );
  } else {
    const certificates = await listed('ListCertificatesByCA', () =>
      listAll((m) => iot.listCertificatesByCa(caId, m)),
    );
    progress(`${certificates.length} certificate(s) of the CA`);
    const ourArns = new Set(certificates.map((c) => c.certificateArn));
    const thingsOf = new Map<string, string[]>();
    const policiesOf = new Map<string, string[]>();
    for (const c of certificates) {
      thingsOf.set(
        c.certificateArn,
        await listed('ListPrincipalThings', () =>
          listAll((t) => iot.listPrincipalThings(c.certificateArn, t)),
        ),
      );
      policiesOf.set(
        c.certificateArn,
        await listed('ListAttachedPolicies', () =>
          listAll((m) => iot.listAttachedPolicies(c.certificateArn, m)),
        ),
      );
    }
    const things = [...new Set([...thingsOf.values()].flat())].sort();

    const deactivateCa =
      caStatus === 'INACTIVE'
        ? undefined
        : list.add({
            operation: 'UpdateCACertificate',
            resource: `CA ${caId} -> INACTIVE`,
            doneOn: NOT_FOUND,
            run: () => iot.updateCaCertificate(caId, 'INACTIVE'),
          });

    const streamStep = new Map<string, number>();
    if (ports.kvs === undefined && things.length > 0) {
      notes.push(
        'no Kinesis Video Streams endpoint (the platform serves no video): camera streams not checked',
      );
    }
    if (ports.kvs !== undefined && things.length > 0) {
      const kvs = ports.kvs;
      const wanted = new Map(things.map((thing) => [input.streamName(thing), thing]));
      const streams = await listed('ListStreams', () => listAll((t) => kvs.listStreams(t)));
      progress(`${streams.length} video stream(s) in the account`);
      for (const s of streams
        .filter((x) => wanted.has(x.name))
        .sort((a, b) => a.name.localeCompare(b.name))) {
        if (s.status === 'DELETING') {
          notes.push(`stream ${s.name} is already DELETING`);
          continue;
        }
        const thing = wanted.get(s.name) ?? '';
        streamStep.set(
          thing,
          list.add({
            operation: 'DeleteStream',
            resource: `stream ${s.name} (${s.arn})`,
            doneOn: NOT_FOUND,
            run: () => kvs.deleteStream(s.arn),
          }),
        );
      }
    }

    const detachesOf = new Map<string, number[]>();
    const certificateDeletes: number[] = [];
    for (const c of certificates) {
      const own: number[] = [];
      for (const thing of thingsOf.get(c.certificateArn) ?? []) {
        const stream = streamStep.get(thing);
        const id = list.add({
          operation: 'DetachThingPrincipal',
          resource: `thing ${thing} from certificate ${c.certificateId}`,
          dependsOn: stream === undefined ? [] : [stream],
          doneOn: NOT_FOUND,
          run: () => iot.detachThingPrincipal(thing, c.certificateArn),
        });
        own.push(id);
        detachesOf.set(thing, [...(detachesOf.get(thing) ?? []), id]);
      }
      for (const policy of policiesOf.get(c.certificateArn) ?? []) {
        own.push(
          list.add({
            operation: 'DetachPolicy',
            resource: `policy ${policy} from certificate ${c.certificateId}`,
            doneOn: NOT_FOUND,
            run: () => iot.detachPolicy(policy, c.certificateArn),
          }),
        );
      }
      if (c.status !== 'INACTIVE' && c.status !== 'REVOKED') {
        own.push(
          list.add({
            operation: 'UpdateCertificate',
            resource: `certificate ${c.certificateId} -> INACTIVE`,
            doneOn: NOT_FOUND,
            run: () => iot.updateCertificate(c.certificateId, 'INACTIVE'),
          }),
        );
      }
      certificateDeletes.push(
        list.add({
          operation: 'DeleteCertificate',
          resource: `certificate ${c.certificateId}`,
          dependsOn: own,
          retryOn: ['DeleteConflictException', 'CertificateStateException'],
          doneOn: NOT_FOUND,
          run: () => iot.deleteCertificate(c.certificateId),
        }),
      );
    }

    for (const thing of things) {
      const principals = await listed('ListThingPrincipals', () =>
        listAll((t) => iot.listThingPrincipals(thing, t)),
      );
      const others = principals.filter((p) => !ourArns.has(p));
      if (others.length > 0) {
        notes.push(`thing ${thing} keeps ${others.length} principal(s) of another CA: not deleted`);
        continue;
      }
      list.add({
        operation: 'DeleteThing',
        resource: `thing ${thing}`,
        dependsOn: detachesOf.get(thing) ?? [],
        retryOn: ['DeleteConflictException', 'InvalidRequestException'],
        run: () => iot.deleteThing(thing),
      });
    }

    list.add({
      operation: 'DeleteCACertificate',
      resource: `CA ${caId}`,
      dependsOn: [...(deactivateCa === undefined ? [] : [deactivateCa]), ...certificateDeletes],
      retryOn: ['CertificateStateException'],
      doneOn: NOT_FOUND,
      run: () => iot.deleteCaCertificate(caId),
    });
  }

  if (input.bucket !== undefined && ports.s3 !== undefined) {
    await planBucket((step) => list.add(step), notes, ports.s3, input.bucket, progress);
  }
  return { steps: list.steps, notes };
}
