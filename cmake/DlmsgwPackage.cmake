# Installation layout and the Debian package (CPack DEB) of the dlmsgw service:
#
#   /usr/bin/dlmsgw                       the executable (install rule in src/app/CMakeLists.txt)
#   /etc/dlmsgw/tb_gateway.yaml           example configuration, conffiles of the package
#   /etc/dlmsgw/dlms_connector.json
#   /lib/systemd/system/dlmsgw.service    the unit (Type=notify, watchdog, sandbox)
#   /var/lib/dlmsgw/                      storage, owned by the dlmsgw user (created by postinst)
#   /usr/share/doc/dlmsgw/                install.md, dlms-connector.md
#
# The unit and the configuration live at fixed system paths whatever the prefix: systemd and the
# unit's ExecStart look for them there. Build the package with
#   cmake --preset release && cmake --build --preset release && (cd build/release && cpack -G DEB)
set(DLMSGW_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)
# cpack packages what is built instead of building every target (tests, benchmarks) first: only
# dlmsgw is installed, and tests/package/install_test.sh builds it before running cpack.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(FILES ${DLMSGW_PACKAGING_DIR}/etc/tb_gateway.yaml ${DLMSGW_PACKAGING_DIR}/etc/dlms_connector.json
  DESTINATION /etc/dlmsgw PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${DLMSGW_PACKAGING_DIR}/systemd/dlmsgw.service DESTINATION /lib/systemd/system)
install(DIRECTORY DESTINATION /var/lib/dlmsgw
  DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE)
install(FILES ${PROJECT_SOURCE_DIR}/docs/install.md ${PROJECT_SOURCE_DIR}/docs/dlms-connector.md
  DESTINATION share/doc/dlmsgw)

set(CPACK_PACKAGE_NAME dlmsgw)
set(CPACK_PACKAGE_VENDOR "dlmsgw")
set(CPACK_PACKAGE_CONTACT "dlmsgw maintainers <dlmsgw@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "DLMS/COSEM electricity meters to ThingsBoard gateway")
# CPack indents every line of the long description by one space, as the control file wants.
set(CPACK_PACKAGE_DESCRIPTION
  "dlmsgw reads DLMS/COSEM meters (HDLC or wrapper over TCP or serial, LLS or HLS-GMAC)\nand delivers their readings to ThingsBoard over MQTT, storing them on disk until\nacknowledged. It runs as the systemd service dlmsgw.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# /etc, /lib/systemd and /var/lib are absolute on purpose (see above): no warning for them.
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries the binary links (libssl, libmosquitto, libsqlite3, libyaml-cpp, libsystemd...),
# found by dpkg-shlibdeps (package dpkg-dev); postinst needs useradd (passwd).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto, mosquitto-clients")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${DLMSGW_PACKAGING_DIR}/debian/conffiles
  ${DLMSGW_PACKAGING_DIR}/debian/postinst
  ${DLMSGW_PACKAGING_DIR}/debian/prerm
  ${DLMSGW_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_GENERATOR DEB)
include(CPack)
