import nodemailer from 'nodemailer';
import { type Notification, subjectOf, textOf } from './aggregate.js';

export interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  username?: string;
  password?: string;
  from: string;
  to: string[];
}

/** One message per notification over SMTP. */
export function emailSender(settings: EmailSettings): (n: Notification) => Promise<void> {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.username ? { auth: { user: settings.username, pass: settings.password ?? '' } } : {}),
  });
  return async (n) => {
    await transport.sendMail({
      from: settings.from,
      to: settings.to,
      subject: subjectOf(n),
      text: textOf(n),
    });
  };
}
