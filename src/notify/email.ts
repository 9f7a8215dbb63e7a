import nodemailer from 'nodemailer';
import type { Message } from './message.js';

export interface EmailSettings {
  host: string;
  port: number;
  secure: boolean;
  username?: string;
  password?: string;
  from: string;
  to: string[];
}

/** One mail per message over SMTP. */
export function emailSender(settings: EmailSettings): (message: Message) => Promise<void> {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.username ? { auth: { user: settings.username, pass: settings.password ?? '' } } : {}),
  });
  return async (message) => {
    await transport.sendMail({
      from: settings.from,
      to: settings.to,
      subject: message.subject,
      text: message.text,
    });
  };
}
