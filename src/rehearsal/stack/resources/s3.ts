/** AWS::S3::Bucket: CreateBucket, then CORS if the object store implements it. */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
} from '@aws-sdk/client-s3';
import type { CORSRule } from '@aws-sdk/client-s3';
import type { Json } from '../intrinsics.js';
import { asString, errorText, generatedName, type ResourceHandler } from './handler.js';

function corsRules(value: Json | undefined): CORSRule[] {
  const rules = (value as { CorsRules?: Record<string, Json>[] } | null)?.CorsRules ?? [];
  return rules.map((r) => ({
    AllowedMethods: r.AllowedMethods as string[],
    AllowedOrigins: r.AllowedOrigins as string[],
    ...(r.AllowedHeaders ? { AllowedHeaders: r.AllowedHeaders as string[] } : {}),
    ...(r.ExposedHeaders ? { ExposeHeaders: r.ExposedHeaders as string[] } : {}),
    ...(typeof r.MaxAge === 'number' ? { MaxAgeSeconds: r.MaxAge } : {}),
    ...(typeof r.Id === 'string' ? { ID: r.Id } : {}),
  }));
}

export const bucketHandler: ResourceHandler = {
  type: 'AWS::S3::Bucket',
  properties: {
    BucketName: undefined,
    CorsConfiguration: undefined,
    BucketEncryption: 'server-side encryption settings (the store keeps objects on local disk)',
    LifecycleConfiguration: 'lifecycle rules (the store has none; incomplete uploads are not aborted)',
    PublicAccessBlockConfiguration: 'public access block (the store serves no anonymous requests anyway)',
    VersioningConfiguration: 'versioning (the store keeps one version)',
    Tags: 'tags',
  },
  async create(props, ctx) {
    const name = asString(props, 'BucketName') ?? generatedName(ctx, 63, true);
    const { s3 } = ctx.clients;
    // A named bucket that exists already is a failure for CloudFormation, not an adoption.
    const exists = await s3.send(new HeadBucketCommand({ Bucket: name })).then(
      () => true,
      (err: unknown) => {
        if (/NotFound|NoSuchBucket/.test(errorText(err))) return false;
        throw err;
      },
    );
    if (exists) throw new Error(`${name} already exists`);
    await s3.send(
      new CreateBucketCommand({
        Bucket: name,
        ...(ctx.region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: ctx.region as never } }),
      }),
    );
    if (props.CorsConfiguration !== undefined) {
      try {
        await s3.send(
          new PutBucketCorsCommand({
            Bucket: name,
            CORSConfiguration: { CORSRules: corsRules(props.CorsConfiguration) },
          }),
        );
      } catch (err) {
        if (!/NotImplemented/.test(errorText(err))) {
          await s3.send(new DeleteBucketCommand({ Bucket: name })).catch(() => undefined);
          throw err;
        }
        ctx.notRehearsed('CorsConfiguration (the object store does not implement bucket CORS)');
      }
    }
    const suffix = ctx.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    return {
      physicalId: name,
      ref: name,
      attrs: {
        Arn: `arn:${ctx.partition}:s3:::${name}`,
        DomainName: `${name}.s3.${suffix}`,
        RegionalDomainName: `${name}.s3.${ctx.region}.${suffix}`,
        WebsiteURL: `http://${name}.s3-website-${ctx.region}.${suffix}`,
      },
    };
  },
  async delete(created, ctx) {
    // As CloudFormation: a bucket that still holds objects fails to delete (BucketNotEmpty).
    await ctx.clients.s3.send(new DeleteBucketCommand({ Bucket: created.physicalId }));
  },
};
