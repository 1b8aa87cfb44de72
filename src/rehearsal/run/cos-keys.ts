/**
 * The rehearsal's stand-in for `tccli sts AssumeRole` (the COS credentialProcess of docs/deploy.md §4):
 * temporary keys from the rehearsal's STS, through the SDK's own chain (the profile assumes its role),
 * printed in Tencent STS's shape `{"Credentials":{TmpSecretId,TmpSecretKey,Token},"ExpiredTime",
 * "Expiration"}`. Rehearsal only: Tencent's real STS is not AWS's.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { CamlinkError } from '../../errors/camlink-error.js';

export interface TencentStsAnswer {
  readonly Credentials: {
    readonly TmpSecretId: string;
    readonly TmpSecretKey: string;
    readonly Token: string;
  };
  readonly ExpiredTime: number;
  readonly Expiration: string;
}

export async function cosKeys(options: { profile: string; region: string }): Promise<TencentStsAnswer> {
  const client = new S3Client({ region: options.region, profile: options.profile });
  try {
    const creds = await client.config.credentials();
    if (creds.sessionToken === undefined || creds.expiration === undefined) {
      throw new CamlinkError(
        'CREDENTIAL_PROCESS_FAILED',
        `profile ${options.profile} gives long-lived keys; the COS stand-in hands out temporary ones only`,
      );
    }
    return {
      Credentials: {
        TmpSecretId: creds.accessKeyId,
        TmpSecretKey: creds.secretAccessKey,
        Token: creds.sessionToken,
      },
      ExpiredTime: Math.floor(creds.expiration.getTime() / 1000),
      Expiration: creds.expiration.toISOString(),
    };
  } finally {
    client.destroy();
  }
}
