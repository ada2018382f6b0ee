import Link from 'next/link';
import type { ReactNode } from 'react';

/** The app's quiet header: logo and name, with optional content on the right. */
export function TopBar({ children, subtitle }: { children?: ReactNode; subtitle?: string }) {
  return (
    <header className="topbar">
      <Link className="brand" href="/">
        <svg width="24" height="24" viewBox="0 0 64 64" aria-hidden="true">
          <rect width="64" height="64" rx="14" fill="#0e6e6a" />
          <path
            d="M8 36h12l4-10 6 20 6-28 5 18h15"
            fill="none"
            stroke="#fff"
            strokeWidth="4.5"
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        </svg>
        OpenSCG {subtitle && <small>{subtitle}</small>}
      </Link>
      <span className="spacer" />
      {children}
    </header>
  );
}
