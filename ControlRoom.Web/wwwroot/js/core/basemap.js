// The offline basemap: the GeoJSON layers the server's basemap folder holds (city outline, districts, neighbourhoods,
// water, roads, transit), drawn in panes under the devices with their credits in the attribution line. Names are the
// local ones on Korean pages and the English ones otherwise; small things (neighbourhoods, stations) appear as the map
// zooms in. No tile server is asked for anything unless one is configured.
import { lang } from './i18n.js';
import { escapeHtml } from './html.js';

const styles = {
  outline: { color: '#4d6a85', weight: 2, fillColor: '#15202a', fillOpacity: 1 },
  neighbourhoods: { color: '#2c3d4e', weight: 0.7, fill: false },
  districts: { color: '#5b7a99', weight: 1.6, fill: false },
  water: { color: '#2d6a9f', weight: 0.6, fillColor: '#1c4a73', fillOpacity: 0.95 },
  roads: { color: '#3a4a5a', weight: 1.5 },
  transitLines: { color: '#8a99a8', weight: 2.5, opacity: 0.55 },
};
// Drawn bottom to top.
const order = ['outline', 'water', 'neighbourhoods', 'districts', 'roads', 'transitLines', 'transitStations'];
// The zoom from which a role is shown, and from which its names are.
const shownFrom = { neighbourhoods: 13, transitStations: 14 };
const namedFrom = { districts: 10, neighbourhoods: 15, transitStations: 15, water: 12 };

function nameOf(feature, layer) {
  const p = feature.properties || {};
  return (lang === 'ko' ? p[layer.nameProperty] : p[layer.englishNameProperty]) ?? p[layer.nameProperty] ?? '';
}

// The names an area is found by: its own ("Yeongdeungpo-gu", "영등포구") and without the administrative suffix
// ("yeongdeungpo", "영등포"), so that a device's district "Yeongdeungpo" or "영등포구" finds it.
function areaKeys(name, suffix) {
  const own = String(name || '').trim().toLowerCase();
  return own ? [own, own.replace(/[-\s](gu|dong|si)$/u, '').replace(new RegExp(`${suffix}$`, 'u'), '')] : [];
}

export async function drawBasemap(map, layers) {
  const basePane = map.createPane('basemap');
  basePane.style.zIndex = 250;
  const labelPane = map.createPane('basemapLabels');
  labelPane.style.zIndex = 350;
  labelPane.style.pointerEvents = 'none';
  const areas = new Map();
  const drawn = [];
  const loaded = await Promise.all(layers.map(async layer => {
    const response = await fetch(layer.url);
    return response.ok ? { layer, data: await response.json() } : null;
  }));
  const byRole = role => loaded.filter(l => l && l.layer.role === role);
  for (const role of order) {
    for (const { layer, data } of byRole(role)) {
      const names = [];
      const geo = L.geoJSON(data, {
        pane: 'basemap',
        interactive: false,
        style: feature => ({
          ...styles[role],
          ...(layer.colourProperty && feature.properties?.[layer.colourProperty] ? { color: feature.properties[layer.colourProperty] } : {}),
          className: `basemap-${role}`,
        }),
        pointToLayer: (feature, latlng) => L.circleMarker(latlng, {
          pane: 'basemap', interactive: false, radius: 2.5, color: '#b8c4cf', weight: 1, fillColor: '#0f1720', fillOpacity: 1, className: `basemap-${role}`,
        }),
        onEachFeature: (feature, drawnLayer) => {
          const name = nameOf(feature, layer);
          if (!name) return;
          const at = drawnLayer.getBounds ? drawnLayer.getBounds().getCenter() : drawnLayer.getLatLng();
          names.push(L.marker(at, { pane: 'basemapLabels', interactive: false, keyboard: false,
            icon: L.divIcon({ className: `basemap-label ${role}`, html: `<span>${escapeHtml(name)}</span>`, iconSize: null }) }));
          if ((role === 'districts' || role === 'neighbourhoods') && drawnLayer.getBounds) {
            const p = feature.properties || {};
            const suffix = role === 'districts' ? '구' : '동';
            for (const key of [p[layer.nameProperty], p[layer.englishNameProperty]].flatMap(n => areaKeys(n, suffix))) {
              if (!areas.has(key) || role === 'districts') areas.set(key, drawnLayer.getBounds());
            }
          }
        },
      });
      if (layer.attribution) map.attributionControl.addAttribution(escapeHtml(layer.attribution));
      drawn.push({ role, geo, labels: L.layerGroup(names) });
    }
  }
  const show = () => {
    const zoom = map.getZoom();
    for (const { role, geo, labels } of drawn) {
      zoom >= (shownFrom[role] ?? 0) ? geo.addTo(map) : geo.remove();
      zoom >= (namedFrom[role] ?? Infinity) && zoom >= (shownFrom[role] ?? 0) ? labels.addTo(map) : labels.remove();
    }
  };
  map.on('zoomend', show);
  show();
  const outline = drawn.find(d => d.role === 'outline');
  return {
    // The bounds of a district or neighbourhood by its name, or null when the basemap has no such area.
    areaBounds: name => areas.get(String(name || '').trim().toLowerCase()) ?? null,
    cityBounds: () => (outline ? outline.geo.getBounds() : null),
    roles: () => drawn.map(d => d.role),
  };
}

