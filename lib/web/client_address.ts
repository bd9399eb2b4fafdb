/**
 * The key that per-address limits count under: an IPv4 address as it is, an
 * IPv6 address by its /64 network (one subscriber usually holds a whole /64,
 * so counting single IPv6 addresses would limit nothing), and an IPv4-mapped
 * IPv6 address as its IPv4 form. Anything else is returned lower-cased.
 *
 * @example
 * ```ts
 * addressKey("2001:db8:1:2:aaaa::1"); // "2001:db8:1:2::/64"
 * ```
 */
export function addressKey(hostname: string): string {
  const address = hostname.replace(/^\[|\]$/g, "").replace(/%.*$/, "").toLowerCase();
  if (!address.includes(":")) return address;
  const mapped = address.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return mapped[1];
  const groups = expandIpv6(address);
  if (!groups) return address;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** The eight groups of an IPv6 address, or `undefined` if it is not one. */
function expandIpv6(address: string): string[] | undefined {
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  // An embedded IPv4 tail (…:1.2.3.4) counts as two groups; the /64 never needs it.
  const width = (groups: string[]) =>
    groups.reduce((sum, group) => sum + (group.includes(".") ? 2 : 1), 0);
  const missing = 8 - width(head) - width(tail);
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group) || group.includes("."))) {
    return undefined;
  }
  return groups;
}
