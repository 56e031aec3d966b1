// Package ui is overlayd's live map, served at /ui/ by the HTTP API
// (mount [Handler] as api.Config.UI): one page of plain HTML, CSS and
// JavaScript embedded in the binary, with no build step and nothing
// fetched from anywhere but the agent's own API, which its
// Content-Security-Policy enforces in the browser.
//
// The page draws every member on a 2-D projection of its Vivaldi
// coordinate (the first two principal components of the coordinates,
// computed in the page), coloured by datacenter and outlined by status;
// marks the instances of a service chosen from /v1/catalog/services with
// their health; and highlights the nearest ones from /v1/nearest, with
// their estimated round trips. It polls the API every 2 seconds. The
// page's script explains both choices.
package ui
