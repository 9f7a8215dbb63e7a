/** ECS spells MAC addresses upper-case with dashes. */
export function ecsMac(mac: string): string {
  return mac.replaceAll(':', '-').toUpperCase();
}
