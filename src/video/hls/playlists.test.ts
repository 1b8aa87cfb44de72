import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fuzz } from '../../../test/helpers/fuzz.js';
import { HlsError } from './errors.js';
import {
  buildMasterPlaylist,
  buildMediaPlaylist,
  checkUri,
  formatDuration,
  targetDuration,
} from './playlists.js';

const isCode = (code: string) => (e: unknown) => e instanceof HlsError && e.code === code;

test('master playlist: one variant with BANDWIDTH, CODECS and RESOLUTION, then its URI', () => {
  const text = buildMasterPlaylist([
    {
      uri: 'getHLSMediaPlaylist.m3u8?SessionToken=abc&TrackNumber=1',
      bandwidth: 1_500_000,
      codecs: ['avc1.42c01e'],
      width: 320,
      height: 240,
    },
  ]);
  assert.equal(
    text,
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=1500000,CODECS="avc1.42c01e",RESOLUTION=320x240',
      'getHLSMediaPlaylist.m3u8?SessionToken=abc&TrackNumber=1',
      '',
    ].join('\n'),
  );
  assert.match(
    buildMasterPlaylist([
      {
        uri: 'm.m3u8',
        bandwidth: 1,
        averageBandwidth: 1,
        codecs: ['avc1.640028', 'mp4a.40.2'],
        frameRate: 25,
      },
    ]),
    /BANDWIDTH=1,AVERAGE-BANDWIDTH=1,CODECS="avc1\.640028,mp4a\.40\.2",FRAME-RATE=25\.000\n/,
  );
});

test('ON_DEMAND media playlist: fMP4 map, EXTINF with 3 decimals, program date-times, ENDLIST', () => {
  const text = buildMediaPlaylist({
    mode: 'ON_DEMAND',
    mapUri: 'getMP4InitFragment.mp4?SessionToken=abc',
    mediaSequence: 5,
    segments: [
      { uri: 'seg-5.mp4', duration: 2.0004, programDateTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) },
      { uri: 'seg-6.mp4', duration: 4.0006, discontinuity: true },
    ],
  });
  assert.equal(
    text,
    [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:5',
      '#EXT-X-MEDIA-SEQUENCE:5',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MAP:URI="getMP4InitFragment.mp4?SessionToken=abc"',
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:05.006Z',
      '#EXTINF:2.000,',
      'seg-5.mp4',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:4.001,',
      'seg-6.mp4',
      '#EXT-X-ENDLIST',
      '',
    ].join('\n'),
  );
});

test('LIVE media playlist: no ENDLIST, no PLAYLIST-TYPE; program date-times can be left out', () => {
  const text = buildMediaPlaylist({
    mode: 'LIVE',
    mapUri: 'init.mp4',
    programDateTime: false,
    independentSegments: false,
    segments: [{ uri: 'a.m4s', duration: 1, programDateTime: new Date(0) }],
  });
  assert.doesNotMatch(text, /ENDLIST|PLAYLIST-TYPE|PROGRAM-DATE-TIME|INDEPENDENT/);
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:0\n/);
});

test('target duration is the ceiling of the largest EXTINF as written, at least 1', () => {
  assert.equal(targetDuration([]), 1);
  assert.equal(targetDuration([{ uri: 'a', duration: 0.4 }]), 1);
  assert.equal(
    targetDuration([
      { uri: 'a', duration: 2 },
      { uri: 'b', duration: 2.0001 },
    ]),
    2,
  ); // writes 2.000
  assert.equal(targetDuration([{ uri: 'a', duration: 2.0006 }]), 3); // writes 2.001
  assert.equal(formatDuration(1 / 3), '0.333');
  assert.throws(() => formatDuration(Number.NaN), isCode('HLS_VALUE_INVALID'));
});

test('URIs that could break a line or a quoted attribute are refused', () => {
  for (const bad of ['', 'a"b', 'a\nb', 'a\rb', '#EXT-X-ENDLIST', 'has space', 'caf\u00e9', 'a\u0000']) {
    assert.throws(() => checkUri(bad), isCode('HLS_URI_INVALID'), JSON.stringify(bad));
  }
  assert.equal(checkUri('https://example.com/a%20b?x=1&y=%22'), 'https://example.com/a%20b?x=1&y=%22');
  assert.throws(
    () => buildMediaPlaylist({ mode: 'LIVE', mapUri: 'x"', segments: [] }),
    isCode('HLS_URI_INVALID'),
  );
  assert.throws(
    () =>
      buildMediaPlaylist({
        mode: 'LIVE',
        mapUri: 'i.mp4',
        segments: [{ uri: 'a\n#EXT-X-ENDLIST', duration: 1 }],
      }),
    isCode('HLS_URI_INVALID'),
  );
  assert.throws(
    () => buildMasterPlaylist([{ uri: 'm', bandwidth: 0, codecs: ['avc1'] }]),
    isCode('HLS_VALUE_INVALID'),
  );
  assert.throws(
    () => buildMasterPlaylist([{ uri: 'm', bandwidth: 1, codecs: ['a"'] }]),
    isCode('HLS_VALUE_INVALID'),
  );
  assert.throws(
    () => buildMasterPlaylist([{ uri: 'm', bandwidth: 1, codecs: [] }]),
    isCode('HLS_VALUE_INVALID'),
  );
  assert.throws(() => buildMasterPlaylist([]), isCode('HLS_VALUE_INVALID'));
});

test(
  'property: whatever the URIs, a playlist is written with one line per item or refused',
  { timeout: 10_000 },
  () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.array(fc.string({ maxLength: 12 }), { maxLength: 5 }),
        (map, uris) => {
          let text: string;
          try {
            text = buildMediaPlaylist({
              mode: 'ON_DEMAND',
              mapUri: map,
              segments: uris.map((uri) => ({ uri, duration: 1 })),
            });
          } catch (err) {
            assert.ok(err instanceof HlsError);
            return;
          }
          const lines = text.split('\n');
          assert.equal(lines.length, 9 + 2 * uris.length);
          assert.equal(lines.filter((l) => l === '#EXT-X-ENDLIST').length, 1);
          assert.equal(lines.filter((l) => l.startsWith('#EXT-X-MAP:')).length, 1);
          assert.equal((lines.find((l) => l.startsWith('#EXT-X-MAP:')) ?? '').split('"').length, 3);
        },
      ),
      fuzz(2000),
    );
  },
);
