// The ESM entry: the same objects as the CommonJS one (one module instance, one set of classes).
import cjs from './index.js';

export const {
  start,
  binaryPath,
  platformKey,
  PLATFORMS,
  BinaryNotFoundError,
  StartError,
  MockControlError,
  VerifyError,
} = cjs;
export default cjs;
