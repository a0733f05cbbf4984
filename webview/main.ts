/**
 * @module The sidebar panel's script (its own bundle). The usage panel is built on this entry point.
 */
document.body.dataset.ready = 'true';
