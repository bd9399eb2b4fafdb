import assert from "node:assert/strict";
import {
  generateOwnerKey,
  hashOwnerKey,
  verifyOwnerKey,
  verifyOwnerSocketProof,
} from "./owner_key.ts";
import { OWNER_PROOF_TTL_SECONDS, ownerSocketProof } from "../shared/owner_proof.ts";

Deno.test("verifyOwnerKey – accepts the key and nothing else", async () => {
  const key = generateOwnerKey();
  const hash = await hashOwnerKey(key);
  assert.equal(hash.byteLength, 32);
  assert.equal(await verifyOwnerKey(key, hash), true);
  assert.equal(await verifyOwnerKey(generateOwnerKey(), hash), false);
  assert.equal(
    await verifyOwnerKey(key.slice(0, -1) + (key.endsWith("a") ? "b" : "a"), hash),
    false,
  );
  assert.equal(await verifyOwnerKey(undefined, hash), false);
  assert.equal(
    await verifyOwnerKey("", await hashOwnerKey("")),
    false,
    "malformed keys never match",
  );
  assert.equal(await verifyOwnerKey(key, null), false, "a room without an owner");
});

Deno.test("verifyOwnerSocketProof – the key's proof until it expires, and no other", async () => {
  const now = 1_700_000_000_000;
  const hash = await hashOwnerKey(generateOwnerKey());
  const proof = await ownerSocketProof(hash, now / 1000 + 3600);
  assert.equal(await verifyOwnerSocketProof(proof, hash, now), true);
  assert.equal(await verifyOwnerSocketProof(proof, hash, now + 3_600_000), false, "expired");
  const other = await hashOwnerKey(generateOwnerKey());
  assert.equal(await verifyOwnerSocketProof(proof, other, now), false, "another room's key");
  const [expires, mac] = proof.split(".");
  const later = `${Number(expires) + 60}.${mac}`;
  assert.equal(await verifyOwnerSocketProof(later, hash, now), false, "expiry not signed");
  const tooLong = await ownerSocketProof(hash, now / 1000 + OWNER_PROOF_TTL_SECONDS + 3600);
  assert.equal(await verifyOwnerSocketProof(tooLong, hash, now), false, "valid for too long");
  assert.equal(await verifyOwnerSocketProof("1.zz", hash, now), false);
  assert.equal(await verifyOwnerSocketProof(undefined, hash, now), false);
  assert.equal(await verifyOwnerSocketProof(proof, null, now), false);
});
