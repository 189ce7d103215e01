import { randomBytes } from "node:crypto";

const BASE62_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Generates an id the way Navidrome's id.NewRandom does: 128 random bits as 22 base62 digits. */
export function newRandomId(): string {
  let value = BigInt(`0x${randomBytes(16).toString("hex")}`);
  let text = "";
  while (value > 0n) {
    text = BASE62_DIGITS[Number(value % 62n)] + text;
    value /= 62n;
  }
  return text.padStart(22, "0");
}
