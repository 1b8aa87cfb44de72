import type { MouseEvent, ReactNode } from 'react';
import { navigate } from './router';

/** An ordinary link that changes client routes without a reload (modified clicks open normally). */
export function Link({ href, children }: { href: string; children: ReactNode }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick}>
      {children}
    </a>
  );
}
