# Plantillas de cartas de Redress: español (incluidas con Redress).
#
# Todos los mensajes son obligatorios; las variables que puede usar cada uno
# se indican en el README ("Letter templates"). Las fechas llegan ya escritas
# con el mensaje `date`. Una línea en blanco dentro de un mensaje empieza un
# párrafo nuevo; los demás saltos de línea se unen con un espacio.

## Fechas: "1 de diciembre de 2026"

month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
date = { $day } de { $month } de { $year }

## Partes comunes a todas las cartas

reference = Referencia: { $reference }
signature-phone = Teléfono: { $contact-phone }
signature-email = Correo electrónico: { $contact-email }

## ACKNOWLEDGEMENT: acuse de recibo

acknowledgement-title = Hemos recibido su queja
acknowledgement-salutation = Estimado/a { $recipient-name }:
acknowledgement-body =
    Gracias por comunicarse con { $facility-name }. Recibimos su queja el
    { $received-on } y la registramos con la referencia que aparece arriba.
    Le rogamos que mencione esa referencia si se comunica con nosotros sobre
    este asunto.

    { $contact-name }, de nuestro equipo de atención al paciente, está
    revisando su queja y le informará de cualquier novedad. Volveremos a
    escribirle cuando hayamos terminado nuestra revisión.
acknowledgement-closing = Atentamente,

## PROGRESS_NOTICE: seguimos trabajando, y la fecha de la respuesta

progress-notice-title = Seguimos revisando su queja
progress-notice-salutation = Estimado/a { $recipient-name }:
progress-notice-body =
    Le escribimos en relación con la queja que nos presentó el
    { $received-on }. Todavía no hemos terminado nuestra revisión y queremos
    que sepa que seguimos trabajando en ella.

    Le enviaremos nuestra respuesta por escrito a más tardar el
    { $response-by }. Si mientras tanto tiene alguna pregunta, comuníquese con
    { $contact-name } a través de los datos que figuran al final de esta carta.
progress-notice-closing = Atentamente,

## EXTENSION: necesitamos más tiempo, el motivo y la nueva fecha

extension-title = Necesitamos más tiempo para terminar nuestra revisión
extension-salutation = Estimado/a { $recipient-name }:
extension-body =
    Le escribimos en relación con la queja que nos presentó el
    { $received-on }. Necesitamos más tiempo del previsto para terminar
    nuestra revisión, por el siguiente motivo:

    { $extension-reason }

    Le enviaremos nuestra respuesta por escrito a más tardar el
    { $response-by }. Lamentamos la demora. Si tiene alguna pregunta,
    comuníquese con { $contact-name } a través de los datos que figuran al
    final de esta carta.
extension-closing = Atentamente,

## RESOLUTION: la respuesta por escrito (CMS A-0123; A-0120 para la QIO)

resolution-title = Nuestra respuesta a su queja formal
resolution-salutation = Estimado/a { $recipient-name }:
resolution-body =
    Gracias por hacernos saber su inquietud el { $received-on }. Hemos
    terminado la revisión de su queja formal. En esta carta le explicamos qué
    hicimos para investigarla y cuáles fueron los resultados.
resolution-steps-heading = Cómo investigamos su queja
resolution-steps = { $investigation-steps }
resolution-results-heading = Lo que encontramos
resolution-results = { $results }
resolution-completed = Terminamos nuestra revisión el { $completed-on }.
resolution-contact =
    Si tiene alguna pregunta sobre esta carta o sobre nuestra revisión,
    comuníquese con { $contact-name }. Encontrará sus datos de contacto al
    final de esta carta.
resolution-closing = Atentamente,

qio-heading = Su derecho a comunicarse con la Organización para el Mejoramiento de la Calidad
qio-notice =
    Como usted tiene Medicare, tiene derecho a pedir a la Organización para el
    Mejoramiento de la Calidad (QIO, por sus siglas en inglés) que revise su
    inquietud sobre la calidad de la atención que recibió o sobre un alta del
    hospital que usted considere prematura. Puede comunicarse con la QIO
    aunque esté conforme con nuestra respuesta.
qio-organization = La QIO de su zona es { $qio-organization }.
qio-phone = Puede llamar a la QIO al { $qio-phone }.

## OTHER: una carta escrita a mano (su texto es el cuerpo)

other-title = Carta de { $facility-name }
other-salutation = Estimado/a { $recipient-name }:
other-closing = Atentamente,
