/**
 * A display name to suggest from the operating system account: the account's real name where one
 * is set (the GECOS field of /etc/passwd on Linux and other Unix systems), else the user name, but
 * never an administrator account's name ("root"), which says nothing about who is typing.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

const ADMINISTRATORS = new Set(['root', 'administrator', 'admin']);

/** The real name of `uid` in the text of an /etc/passwd file, when one is set. */
export function realNameFromPasswd(passwd: string, uid: number): string | undefined {
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 7 || Number(fields[2]) !== uid) continue;
    // GECOS: "Full Name,Room,Work phone,Home phone,Other"; `&` stands for the capitalised user name.
    const user = fields[0]!;
    const full = fields[4]!.split(',')[0]!.replace(/&/g, user.charAt(0).toUpperCase() + user.slice(1)).trim();
    return full === '' ? undefined : full;
  }
  return undefined;
}

/** The suggested display name, or '' when the account says nothing about who this is. */
export function accountDisplayName(passwdFile = '/etc/passwd'): string {
  let info: { username: string; uid: number };
  try {
    info = userInfo();
  } catch {
    return '';
  }
  if (info.uid >= 0) {
    try {
      const real = realNameFromPasswd(readFileSync(passwdFile, 'utf8'), info.uid);
      if (real !== undefined && !ADMINISTRATORS.has(real.toLowerCase())) return real;
    } catch {
      // No /etc/passwd (Windows, some macOS setups): the user name below.
    }
  }
  return ADMINISTRATORS.has(info.username.toLowerCase()) ? '' : info.username;
}
