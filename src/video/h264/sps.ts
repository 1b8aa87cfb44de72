/**
 * Sequence parameter set parsing (ISO/IEC 14496-10 §7.3.2.1.1 and §7.4.2.1.1): enough of seq_parameter_set_data
 * to know the profile, level and the cropped picture size. The VUI is not read. Every out-of-range syntax
 * element is H264_SPS_INVALID; running out of bits is H264_TRUNCATED.
 */
import { BitReader, nalToRbsp } from './bits.js';
import { H264Error } from './errors.js';
import { NalType, nalType } from './nal.js';

export interface Sps {
  readonly profileIdc: number;
  /** constraint_set0_flag..constraint_set5_flag and the two reserved zero bits, as one byte. */
  readonly constraintFlags: number;
  readonly levelIdc: number;
  readonly spsId: number;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 (1 when the profile does not code it). */
  readonly chromaFormatIdc: number;
  readonly separateColourPlane: boolean;
  readonly bitDepthLuma: number;
  readonly bitDepthChroma: number;
  readonly picOrderCntType: number;
  readonly maxNumRefFrames: number;
  readonly frameMbsOnly: boolean;
  readonly crop: {
    readonly left: number;
    readonly right: number;
    readonly top: number;
    readonly bottom: number;
  };
  /** Displayed size in luma samples, after frame cropping. */
  readonly width: number;
  readonly height: number;
}

/** The profiles whose SPS codes chroma_format_idc, bit depths and scaling matrices (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Largest picture accepted, in macroblocks per side (level 6.2 allows 139264 MBs in all; 16384 px is ample). */
const MAX_MBS_PER_SIDE = 1024;

function invalid(what: string): never {
  throw new H264Error('H264_SPS_INVALID', `SPS: ${what}`);
}

function ranged(value: number, max: number, what: string): number {
  if (value > max) invalid(`${what} ${value} exceeds ${max}`);
  return value;
}

/** scaling_list() (§7.3.2.1.1.1): only walked, the values are not needed. */
function skipScalingList(r: BitReader, size: number): void {
  let lastScale = 8;
  let nextScale = 8;
  for (let j = 0; j < size; j++) {
    if (nextScale !== 0) {
      const delta = r.se();
      if (delta < -128 || delta > 127) invalid(`delta_scale ${delta}`);
      nextScale = (lastScale + delta + 256) % 256;
    }
    lastScale = nextScale === 0 ? lastScale : nextScale;
  }
}

/** Parses an SPS NAL unit, header byte included (nal_unit_type 7), with or without emulation prevention. */
export function parseSps(nal: Uint8Array): Sps {
  if (nal.length < 4) throw new H264Error('H264_TRUNCATED', `SPS: ${nal.length} bytes is too short`);
  if (nalType(nal) !== NalType.SPS) invalid(`NAL type ${nalType(nal)} is not an SPS`);
  const r = new BitReader(nalToRbsp(nal).subarray(1), 'SPS');
  const profileIdc = r.u(8);
  const constraintFlags = r.u(8);
  const levelIdc = r.u(8);
  const spsId = ranged(r.ue(), 31, 'seq_parameter_set_id');
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = ranged(r.ue(), 3, 'chroma_format_idc');
    if (chromaFormatIdc === 3) separateColourPlane = r.flag();
    bitDepthLuma = 8 + ranged(r.ue(), 6, 'bit_depth_luma_minus8');
    bitDepthChroma = 8 + ranged(r.ue(), 6, 'bit_depth_chroma_minus8');
    r.u1(); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      // seq_scaling_matrix_present_flag: 6 4x4 lists, then 2 (or 6 for 4:4:4) 8x8 lists.
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) {
        if (r.flag()) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }
  ranged(r.ue(), 12, 'log2_max_frame_num_minus4');
  const picOrderCntType = ranged(r.ue(), 2, 'pic_order_cnt_type');
  if (picOrderCntType === 0) {
    ranged(r.ue(), 12, 'log2_max_pic_order_cnt_lsb_minus4');
  } else if (picOrderCntType === 1) {
    r.u1(); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = ranged(r.ue(), 255, 'num_ref_frames_in_pic_order_cnt_cycle');
    for (let i = 0; i < cycle; i++) r.se();
  }
  const maxNumRefFrames = ranged(r.ue(), 16, 'max_num_ref_frames');
  r.u1(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = ranged(r.ue(), MAX_MBS_PER_SIDE - 1, 'pic_width_in_mbs_minus1') + 1;
  const heightMapUnits = ranged(r.ue(), MAX_MBS_PER_SIDE - 1, 'pic_height_in_map_units_minus1') + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.u1(); // mb_adaptive_frame_field_flag
  r.u1(); // direct_8x8_inference_flag
  const crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.flag()) {
    crop.left = r.ue();
    crop.right = r.ue();
    crop.top = r.ue();
    crop.bottom = r.ue();
  }

  // §7.4.2.1.1: crop units depend on ChromaArrayType (0 when monochrome or colour planes are separate).
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 3 ? 1 : 2;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const fieldFactor = frameMbsOnly ? 1 : 2;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * fieldFactor;
  const fullWidth = widthMbs * 16;
  const fullHeight = heightMapUnits * 16 * fieldFactor;
  const width = fullWidth - cropUnitX * (crop.left + crop.right);
  const height = fullHeight - cropUnitY * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0)
    invalid(`frame cropping leaves ${width}x${height} of ${fullWidth}x${fullHeight}`);

  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma,
    bitDepthChroma,
    picOrderCntType,
    maxNumRefFrames,
    frameMbsOnly,
    crop,
    width,
    height,
  };
}
