// Package servicestest holds test helpers for code that uses package
// node/services: a fake [services.Clock] that moves only when told to.
package servicestest
