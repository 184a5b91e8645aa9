// The header every page shares: its title, the navigation with the language switch, who is signed in, the live
// connection's badge (on live pages) and sign-out. A page declares <header id="top" data-title-key data-title
// [data-live]> and calls startPage().
import { ready, t, lang, languages, chooseLanguage } from './i18n.js';
import { me } from './api.js';
import { createAnnouncer } from './announce.js';
import { loadPlaceNames } from './names.js';

const links = [['/', 'nav.queue', 'Queue'], ['/map', 'nav.map', 'Map'], ['/wall', 'nav.wall', 'Video wall'], ['/traffic', 'nav.traffic', 'Traffic'],
  ['/dispatch', 'nav.dispatch', 'Dispatch'], ['/history', 'nav.history', 'History'], ['/admin', 'nav.admin', 'Devices']];

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

document.documentElement.classList.toggle('large', localStorage.getItem('citycontrol.large') === '1');

export async function startPage() {
  await ready;
  const header = document.getElementById('top');
  const title = element('h1', { id: 'title', textContent: t(header.dataset.titleKey, header.dataset.title) });
  const nav = element('nav', {}, ...links.map(([href, key, text]) => {
    const link = element('a', { href, textContent: t(key, text) });
    if (location.pathname === href) {
      link.setAttribute('aria-current', 'page');
    }
    return link;
  }));
  const choose = element('select', { id: 'language' });
  choose.setAttribute('aria-label', t('nav.language', 'Language'));
  Object.entries(languages).forEach(([code, name]) => choose.append(new Option(name, code, code === lang, code === lang)));
  choose.addEventListener('change', () => chooseLanguage(choose.value));
  nav.append(choose);
  // Large type for a wall screen read from across the room, remembered in this browser.
  const large = element('button', { type: 'button', id: 'large-type', className: 'mute', textContent: 'A+', title: t('nav.largeType', 'Large type') });
  large.setAttribute('aria-label', t('nav.largeType', 'Large type'));
  large.setAttribute('aria-pressed', String(document.documentElement.classList.contains('large')));
  large.addEventListener('click', () => {
    const on = document.documentElement.classList.toggle('large');
    localStorage.setItem('citycontrol.large', on ? '1' : '');
    large.setAttribute('aria-pressed', String(on));
  });
  nav.append(large);
  const who = element('span', { id: 'who' });
  const signOut = element('form', { method: 'post', action: '/logout' },
    element('button', { type: 'submit', textContent: t('nav.signOut', 'Sign out') }));
  header.replaceChildren(title, nav, who);
  if (header.dataset.live !== undefined) {
    const badge = element('span', { id: 'connection', className: 'connection', textContent: t('live.connecting', 'connecting') });
    badge.setAttribute('role', 'status');
    header.append(badge);
    createAnnouncer(header);
  }
  header.append(signOut);
  const [user] = await Promise.all([me(), loadPlaceNames().catch(() => {})]);
  who.textContent = `${user.displayName} (${user.roles.join(', ')})`;
  return user;
}
