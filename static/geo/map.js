/* The directory's map: markers for the current page's sites, read from a JSON script element (json_script).
 *
 * Progressive enhancement: without JavaScript the list is the whole page. The map is aria-hidden and takes no
 * keyboard focus (no keyboard handler, no zoom buttons, no focusable marker), so it neither traps nor repeats
 * what the list says. Tiles come from GEO_TILES_URL; when it is empty, markers stand on a plain background.
 * After htmx replaces the results, the new map element is drawn again.
 */
(function () {
  "use strict";

  function draw(element) {
    if (!window.L || element.dataset.drawn) {
      return;
    }
    var source = document.getElementById(element.dataset.mapSource);
    if (!source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    element.dataset.drawn = "1";
    var map = L.map(element, {
      keyboard: false,
      zoomControl: false,
      attributionControl: false,
      scrollWheelZoom: false,
      preferCanvas: false
    });
    if (data.tiles) {
      L.tileLayer(data.tiles, { maxZoom: 18 }).addTo(map);
    }
    var bounds = [];
    if (data.centre) {
      var centre = [data.centre.lat, data.centre.lon];
      L.circle(centre, {
        radius: data.radius_km * 1000,
        color: "#1d5c4d",
        weight: 1,
        fillOpacity: 0.05,
        interactive: false
      }).addTo(map);
      bounds.push(centre);
    }
    data.markers.forEach(function (marker) {
      var point = [marker.lat, marker.lon];
      var dot = L.circleMarker(point, {
        radius: 7,
        color: "#ffffff",
        weight: 2,
        fillColor: "#1d5c4d",
        fillOpacity: 1
      }).addTo(map);
      dot.bindTooltip(marker.name + " · " + marker.commune);
      dot.on("click", function () {
        window.location.href = marker.url;
      });
      bounds.push(point);
    });
    if (data.centre && data.radius_km) {
      map.fitBounds(L.latLng(data.centre.lat, data.centre.lon).toBounds(data.radius_km * 2000), { padding: [10, 10] });
    } else if (bounds.length) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 13 });
    } else {
      map.setView([48.8566, 2.3522], 9);
    }
  }

  function drawAll() {
    document.querySelectorAll("[data-map-source]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
