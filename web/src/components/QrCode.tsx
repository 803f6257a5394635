import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

export interface QrCodeProps {
  text: string;
  label: string;
}

/** A QR code of `text`, rendered as inline SVG. */
export function QrCode({ text, label }: QrCodeProps) {
  const [svg, setSvg] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    QRCode.toString(text, {
      type: 'svg',
      margin: 1,
      errorCorrectionLevel: 'M',
      color: { dark: '#111111', light: '#ffffff' },
    })
      .then((markup) => {
        if (!cancelled) setSvg(markup);
      })
      .catch(() => {
        if (!cancelled) setSvg(null);
      });
    return () => {
      cancelled = true;
    };
  }, [text]);

  return (
    <div
      className="qr"
      data-testid="host-qr"
      data-text={text}
      role="img"
      aria-label={label}
      // The markup comes from the QR library, built from our own text.
      dangerouslySetInnerHTML={svg ? { __html: svg } : undefined}
    />
  );
}
