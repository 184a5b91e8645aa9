// Labels in the user's language (English by default, Korean on request, remembered in this browser) from the app's
// resource files, and the navigation every page shares, with the language switch. Elements with data-i18n="key" get
// that label as their text; scripts use i18n.t(key, English fallback) after i18n.ready.
'use strict';

(function () {
  const languages = { en: 'English', ko: '한국어' };
  const saved = localStorage.getItem('citycontrol.lang');
  const lang = languages[saved] ? saved : 'en';
  let labels = {};

  const t = (key, fallback) => labels[key] ?? fallback ?? key;

  function apply(root) {
    root.querySelectorAll('[data-i18n]').forEach(element => { element.textContent = t(element.dataset.i18n, element.textContent); });
  }

  function navigation() {
    const nav = document.querySelector('header nav');
    if (!nav) {
      return;
    }
    const links = [['/', 'nav.queue', 'Queue'], ['/map', 'nav.map', 'Map'], ['/traffic', 'nav.traffic', 'Traffic'],
      ['/dispatch', 'nav.dispatch', 'Dispatch'], ['/admin', 'nav.admin', 'Devices']];
    nav.replaceChildren(...links.map(([href, key, text]) => {
      const link = document.createElement('a');
      link.href = href;
      link.textContent = t(key, text);
      if (location.pathname === href) {
        link.setAttribute('aria-current', 'page');
      }
      return link;
    }));
    const choose = document.createElement('select');
    choose.id = 'language';
    choose.setAttribute('aria-label', t('nav.language', 'Language'));
    Object.entries(languages).forEach(([code, name]) => choose.append(new Option(name, code, code === lang, code === lang)));
    choose.addEventListener('change', () => {
      localStorage.setItem('citycontrol.lang', choose.value);
      location.reload();
    });
    nav.append(choose);
  }

  document.documentElement.lang = lang;
  const ready = fetch(`/api/labels?lang=${lang}`)
    .then(response => response.ok ? response.json() : {})
    .catch(() => ({}))
    .then(loaded => {
      labels = loaded;
      apply(document);
      navigation();
    });
  window.i18n = { t, ready, lang };
})();
