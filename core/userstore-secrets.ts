// Secrets in a secondary user store's XML (ConnectionPassword and the like): masked wherever artisync shows content
// to a person (`artisync diff`), since gateways need the file as it is but an operator's terminal does not.

/** What a masked value reads as. */
export const MASKED_VALUE = '********';

// A <Property> whose name ends in password, secret or credential (not PasswordJavaRegEx or PasswordHashMethod), or
// that Carbon marks as encrypted (cipher text is still a secret to anyone holding the node's keystore).
const SECRET_PROPERTY = /(<Property\b[^>]*?)>([^<]*)(<\/Property\s*>)/gi;
const SECRET_NAME = /\bname\s*=\s*(["'])[^"']*(password|secret|credentials?)\1/i;
const ENCRYPTED = /\bencrypted\s*=\s*(["'])true\1/i;

/** The user store XML with every secret property's value replaced by MASKED_VALUE; everything else as it was. */
export function maskUserStoreSecrets(xml: string): string {
  return xml.replace(SECRET_PROPERTY, (whole, open: string, value: string, close: string) => {
    if (value.length === 0 || !(SECRET_NAME.test(open) || ENCRYPTED.test(open))) return whole;
    return `${open}>${MASKED_VALUE}${close}`;
  });
}
